"""torchvision.datasets subset, all offline: MNIST family (MNIST, FashionMNIST, KMNIST, EMNIST, QMNIST),
CIFAR10/100, SVHN, STL10, CelebA, ImageNet, Places365, INaturalist, FakeData, ImageFolder / DatasetFolder."""

from .celeba import CelebA
from .cifar import CIFAR10, CIFAR100
from .fakedata import FakeData
from .folder import DatasetFolder, ImageFolder
from .imagenet import ImageNet
from .inaturalist import INaturalist
from .mnist import (
    EMNIST,
    KMNIST,
    MNIST,
    QMNIST,
    FashionMNIST,
    read_image_file,
    read_label_file,
    read_sn3_pascalvincent_tensor,
)
from .places365 import Places365
from .stl10 import STL10
from .svhn import SVHN
from .vision import VisionDataset

__all__ = [
    "CelebA",
    "CIFAR10",
    "CIFAR100",
    "DatasetFolder",
    "EMNIST",
    "FakeData",
    "FashionMNIST",
    "ImageFolder",
    "ImageNet",
    "INaturalist",
    "KMNIST",
    "MNIST",
    "Places365",
    "QMNIST",
    "STL10",
    "SVHN",
    "VisionDataset",
    "read_image_file",
    "read_label_file",
    "read_sn3_pascalvincent_tensor",
]
